// Filled in by the ops of this group.
