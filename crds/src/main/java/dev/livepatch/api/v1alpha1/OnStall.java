package dev.livepatch.api.v1alpha1;

/** What a node does when a transition outlasts its stall timeout. */
public enum OnStall {
    /** Reverse the transition, unload the module and report it Failed. */
    Revert,
    /** Keep waiting for the blocking tasks; the node stays Stalled meanwhile. */
    Wait
}
