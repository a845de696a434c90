include:
  - .common
common:
  pkg.installed: []
