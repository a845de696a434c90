/etc/salt/minion.d/a.conf:
  file.managed:
    - contents: a

minion-b:
  file.managed:
    - name: /etc/salt/minion.d/b.conf
    - contents: b

salt-minion:
  service.running:
    - watch:
      - file: /etc/salt/minion.d/*
    - require:
      - sls: gl?b
      - file: minion-[ab]
