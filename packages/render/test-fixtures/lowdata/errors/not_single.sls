e:
  file.managed:
    - require:
      - [bad]
