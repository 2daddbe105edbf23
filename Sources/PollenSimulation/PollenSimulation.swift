// PollenSimulation — see DESIGN.md.
