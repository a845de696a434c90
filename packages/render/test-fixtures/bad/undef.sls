a:
  pkg.installed:
    - name: {{ nope }}
