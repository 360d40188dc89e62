"""The synthetic demo world and the build of models/medrwr-tiny (`python3 -m models.tiny.build`)."""
