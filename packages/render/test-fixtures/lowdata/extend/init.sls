include:
  - extend.base
extend:
  base_pkg:
    pkg:
      - version: 2
      - require:
        - file: conf
    service.running:
      - enable: True
  base_file:
    file.absent: []
  /etc/named:
    file:
      - mode: 600
exclude:
  - id: base_gone
conf:
  file.managed:
    - name: /etc/conf
