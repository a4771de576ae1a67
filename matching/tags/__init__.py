"""Patent tagging (加工标引): technical field, technical effect (技术功效) and product category."""
