#!/bin/bash
b=$1; d=$(mktemp -d)
KDS_CHANGES_PER_SECOND=0 KDS_READS_PER_SECOND=0 strace -f -qq -c -o /tmp/strace-$b.txt /tmp/$b/kds-server --listen 127.0.0.1:18093 --database sqlite://$d/kds.db --log warn &
sleep 2
for i in $(seq 1 100); do
  curl -s -o /dev/null -X POST http://127.0.0.1:18093/api/orders -H 'content-type: application/json' -d "{\"station\":\"grill\",\"items\":[{\"name\":\"Burger\",\"qty\":1}]}"
done
curl -s -X POST http://127.0.0.1:18093/api/orders -H 'content-type: application/json' -d "{\"station\":\"grill\",\"items\":[{\"name\":\"Burger\",\"qty\":1}]}"; echo
pkill -f "kds-server --listen 127.0.0.1:18093"; sleep 2
grep -E "futex|calls|total" /tmp/strace-$b.txt
