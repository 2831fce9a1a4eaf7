"""Audio in: decoding files, live sources, and the sinks that recorded audio flows into."""
