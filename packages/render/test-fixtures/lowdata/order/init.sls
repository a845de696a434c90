early:
  cmd.run:
    - order: 1
  file:
    - touch
    - name: /tmp/early

negative:
  cmd.run:
    - order: -1

last_one:
  cmd.run:
    - order: last

first_one:
  cmd.run:
    - order: first

big:
  cmd.run:
    - order: 20000

near_cap:
  cmd.run:
    - order: 20050

unknown_word:
  cmd.run:
    - order: sometime

same_a:
  test.nop:
    - order: 3
    - name: zz
same_b:
  test.nop:
    - order: 3
    - name: aa

many:
  pkg.installed:
    - order: 7
    - names:
      - one
      - two

auto:
  test.nop: []
