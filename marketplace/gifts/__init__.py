"""Gift cards bought online and top-ups of one's own card (service: marketplace/gift_cards.py)."""
