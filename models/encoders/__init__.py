"""The knowledge-base encoders (`python3 -m models.encoders.train_text_encoder`, `make_image_encoder`)."""
