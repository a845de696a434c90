base_file:
  file.managed:
    - name: /etc/base
    - user: root
    - group: root
    - mode: 600
    - require:
      - pkg: tools

other_file:
  file.managed:
    - name: /etc/other
    - user: nobody
    - use:
      - file: base_file

third:
  file.managed:
    - name: /etc/third
    - use_in:
      - file: fourth
    - template: jinja

fourth:
  file.managed:
    - name: /etc/fourth

tools:
  pkg.installed:
    - names:
      - vim
      - curl
    - prereq_in:
      - cmd: announce
    - require_in:
      - /etc/fourth
      - sls: use

announce:
  cmd.run:
    - name: echo hi
    - prereq:
      - pkg: vim

renamed:
  file.absent:
    - names:
      - /a
      - /b
extend:
  renamed:
    file:
      - name: /c
