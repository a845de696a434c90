nodot: nope
