d:
  file.managed:
    - onchanges:
      - file.managed: x
