x:
  pkg.installed: []
y:
  pkg.installed:
    - require_in:
      - file: nowhere
