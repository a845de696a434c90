x:
  pkg.installed:
    - order: sometime
