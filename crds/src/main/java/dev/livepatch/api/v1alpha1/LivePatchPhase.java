package dev.livepatch.api.v1alpha1;

/** The LivePatch's phase, for the printer column; conditions carry the detail. */
public enum LivePatchPhase { Progressing, Paused, Stalled, Complete, Invalid, Deleting }
