"""Independent reference for the crawlproof ledger encodings (docs/ledger-format.md).

usage: python3 reference_commitments.py FILE.warc.gz LEDGER_PATH
For gzip files with one member per record: prints the first record leaf (hex),
the record count, the record root and the file entry's leaf hash. Written from
the format text alone (zlib, hashlib, struct); the C++ tests compare with it.
"""
import hashlib, struct, sys, zlib
def H(b): return hashlib.sha256(b).digest()
def mth(leaves):
    n=len(leaves)
    if n==0: return H(b'')
    if n==1: return leaves[0]
    k=1
    while k*2<n: k*=2
    return H(b'\x01'+mth(leaves[:k])+mth(leaves[k:]))
TYPES={'warcinfo':0,'response':1,'resource':2,'request':3,'metadata':4,'revisit':5,'conversion':6,'continuation':7}
def s16(b): return struct.pack('>H',len(b))+b
data=open(sys.argv[1],'rb').read()
pos=0; leaves=[]
while pos < len(data):
    d=zlib.decompressobj(31); rec=d.decompress(data[pos:]); rec+=d.flush()
    used=len(data)-pos-len(d.unused_data)
    member=data[pos:pos+used]
    hend=rec.index(b'\r\n\r\n')+4
    fields={}
    for line in rec[:hend].split(b'\r\n')[1:]:
        if b':' in line:
            k,v=line.split(b':',1); fields.setdefault(k.strip().lower(), v.strip())
    cl=int(fields[b'content-length']); block=rec[hend:hend+cl]
    uri=fields.get(b'warc-target-uri',b'')
    if uri.startswith(b'<') and uri.endswith(b'>'): uri=uri[1:-1]
    leaf=(b'CRAWLPROOF-REC-V1\x00'+struct.pack('>QQ',pos,used)+H(member)+H(block)+
          bytes([TYPES.get(fields[b'warc-type'].decode().lower(),255)])+s16(fields[b'warc-record-id'])+s16(uri)+s16(fields[b'warc-date']))
    if not leaves: print('first_leaf', leaf.hex())
    leaves.append(H(b'\x00'+leaf)); pos+=used
root=mth(leaves)
entry=b'CRAWLPROOF-FILE-V1\x00'+s16(sys.argv[2].encode())+struct.pack('>Q',len(data))+H(data)+struct.pack('>Q',len(leaves))+root
print('records', len(leaves)); print('record_root', root.hex()); print('entry_leaf_hash', H(b'\x00'+entry).hex())
