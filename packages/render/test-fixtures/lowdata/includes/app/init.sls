include:
  - ..lib.common
  - .web

app_pkg:
  pkg.installed: []
