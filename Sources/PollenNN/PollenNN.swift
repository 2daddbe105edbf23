// PollenNN — see DESIGN.md.
