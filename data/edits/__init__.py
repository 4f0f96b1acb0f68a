"""What people write through the product besides files: targets and notes on the figures;
uses data.store and data.accounts."""
