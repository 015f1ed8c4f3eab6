"""Screen media: images and voice-overs per screen, stored as content-addressed files."""
