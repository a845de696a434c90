good:
  pkg.installed: []

twofun:
  file: [managed, absent]
