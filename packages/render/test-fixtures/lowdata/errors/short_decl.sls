a:
  pkg.installed:
