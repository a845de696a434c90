a:
  test.nop: []

b:
  test.nop:
    - name: {{ "x"|nosuchfilter }}
