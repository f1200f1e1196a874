package dev.livepatch.api.v1alpha1; class Placeholder {}
