base_pkg:
  pkg.installed:
    - version: 1
    - require:
      - pkg: other
base_file:
  file.managed:
    - name: /tmp/f
base_gone:
  test.nop: []
named_file:
  file.managed:
    - name: /etc/named
    - names:
      - /etc/named
other:
  pkg.installed: []
