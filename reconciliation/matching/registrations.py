"""What matching registers at start-up (loaded by MatchingConfig.ready())."""
