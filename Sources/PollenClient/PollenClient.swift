// PollenClient — see DESIGN.md.
