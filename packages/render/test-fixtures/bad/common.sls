common:
  pkg.installed: []
