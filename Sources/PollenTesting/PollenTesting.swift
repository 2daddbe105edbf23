// PollenTesting — see DESIGN.md.
