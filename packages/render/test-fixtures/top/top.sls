base:
  '*':
    - common
  'web*':
    - web
    - 42
    - {unexpected: entry}
  'os_family:Debian':
    - match: grain
    - debian
  'role:db':
    - match: pillar
    - db
  'lb1,lb2':
    - match: list
    - lb
  '^web\d+$':
    - match: pcre
    - numbered
  'G@os_family:RedHat or ( I@role:db and not L@db9 )':
    - match: compound
    - compound
  'not-this-one':
    - never
{% if grains.get('extra') %}
prod:
  '*':
    - common
    - prodonly
{% endif %}
