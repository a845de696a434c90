x:
  pkg.installed: []
extend:
  ghost:
    pkg:
      - version: 1
