x:
  cmd.run:
    - require:
      - sls: nosuch
