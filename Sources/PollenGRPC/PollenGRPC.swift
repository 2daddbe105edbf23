// PollenGRPC — see DESIGN.md.
