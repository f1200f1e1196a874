package dev.livepatch.api.v1alpha1;

/** The kernel's words: a patch is enabled by a patching transition, disabled by an unpatching one. */
public enum TransitionDirection { Patching, Unpatching }
