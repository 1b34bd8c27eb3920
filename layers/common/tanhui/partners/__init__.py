"""Partners (合作方): organisations that print codes or report behaviour, and their staff."""
