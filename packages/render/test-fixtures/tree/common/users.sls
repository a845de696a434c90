deploy_user:
  user.present:
    - name: deploy
    - shell: /bin/bash

deploy_group:
  group.present:
    - name: deploy
    - require_in:
      - user: deploy
