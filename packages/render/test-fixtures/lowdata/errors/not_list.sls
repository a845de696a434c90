b:
  pkg.installed:
    name: x
