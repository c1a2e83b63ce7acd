"""Data the demo school is generated from (name lists and the like). Only demo code imports it."""
