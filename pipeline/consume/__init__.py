"""Reading topics for downstream users: subscribe, filter, render."""
