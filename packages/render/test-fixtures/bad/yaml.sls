ok:
  pkg.installed: []
broken: a: b
