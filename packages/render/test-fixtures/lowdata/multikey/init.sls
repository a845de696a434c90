/etc/motd:
  file.managed:
    - source: salt://motd.j2
    - template: jinja
    - context:
        who: world
      defaults:
        greeting: hello
    - mode: 644
      user: root
