#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one raw generic netlink request to the "mpconv" family.

A test tool, with no dependency beyond python3: it resolves the family id
through nlctrl, sends the request exactly as given (unknown commands,
unknown attribute types and wrong sizes included), with NETLINK_EXT_ACK
set, and prints one JSON line:

  {"errno": N, "extack": "message or empty", "miss_type": T, "miss_nest": O,
   "bad_offset": O, "replies": count, "miss_name": "MPCONV_A_...",
   "values": [...], "errname": "EINVAL"}

errno is 0 or the positive errno of the kernel's answer; miss_type and
miss_nest (NLMSGERR_ATTR_MISS_TYPE/NEST) name a missing attribute and are
null otherwise (miss_name, present with miss_type, is its name in the
header); bad_offset is NLMSGERR_ATTR_OFFS, the offset of the
offending attribute in the request, or null; replies counts the family's
messages received (dump parts or the doit reply); values, with
--value TYPE, lists the integer value of top-level attribute TYPE in each
reply. The exit status is 0 whenever the exchange itself worked.

Usage: nlreq.py [--dump] [--flags N] [--value TYPE] [--userns] [--uapi HEADER]
                CMD [ATTR...]
       nlreq.py [--userns] --join GROUP

--join joins the family's multicast group GROUP (NETLINK_ADD_MEMBERSHIP)
instead of sending a request; errno in the JSON line is that of the join
(the kernel says nothing more there: no extack).

--userns sends the request from a new user namespace, as root mapped there
(what 'unshare --user --map-root-user' does), so without CAP_NET_ADMIN over
a network namespace the initial user namespace owns; the JSON then has
"uid", the uid in that user namespace.

CMD is a number or a name of enum mpconv_cmd (STATUS_GET, CMD_STATUS_GET or
MPCONV_CMD_STATUS_GET). An ATTR is KIND:TYPE=VALUE, with
  KIND   u8 u16 u32 u64 s8 s16 s32 s64 (native order), be16 be32 (network
         order), str (NUL-terminated), bin (VALUE in hex), flag (no VALUE),
         nest (VALUE a bracketed list of ATTRs: [u16:1=2,bin:2=c0000201]),
         nestbin (VALUE in hex, with the NLA_F_NESTED flag: a malformed nest)
  TYPE   a number (any: 0, 200...) or a name of the uapi header's enums, with
         or without its MPCONV_ prefix (A_CONV_ENABLED, ADDR_A_FAMILY)
  VALUE  a number, or a name of the header (BIND_BYPASS, ROLE_CPE); AF_INET
         and AF_INET6 are known too
Names are read from the uapi header at run time (uapi/linux/mpconv.h of this
repository, or --uapi / $MPCONV_UAPI), so they stay in step with it.
"""

import ctypes
import errno as errno_mod
import json
import os
import re
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x01
NLM_F_MULTI = 0x02
NLM_F_ACK = 0x04
NLM_F_DUMP = 0x300
NLM_F_ACK_TLVS = 0x200  # in an NLMSG_ERROR / NLMSG_DONE: extack TLVs follow

NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_MISS_TYPE = 5
NLMSGERR_ATTR_MISS_NEST = 6

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2
NETLINK_ADD_MEMBERSHIP = 1

NLA_F_NESTED = 0x8000
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
NLA_TYPE_MASK = 0x3fff

INT_KINDS = {
    "u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q",
    "s8": "=b", "s16": "=h", "s32": "=i", "s64": "=q",
    "be16": ">H", "be32": ">I",
}


class SpecError(Exception):
    pass


def find_header(explicit):
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (explicit, os.environ.get("MPCONV_UAPI"),
                 os.path.join(here, "..", "uapi", "linux", "mpconv.h"),
                 # copied into a kernel tree: tools/testing/selftests/net/mpconv
                 os.path.join(here, "..", "..", "..", "..", "..",
                              "include", "uapi", "linux", "mpconv.h")):
        if path and os.path.isfile(path):
            return path
    return None


def parse_header(path):
    """Names of the header's enums and #defines -> values; enum -> {value: name}."""
    names = {"AF_INET": socket.AF_INET, "AF_INET6": socket.AF_INET6}
    enums = {}
    if not path:
        return names, enums
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for ename, body in re.findall(r"\benum\s+(\w+)\s*\{(.*?)\}", text, flags=re.S):
        members = enums.setdefault(ename, {})
        value = -1
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            m = re.fullmatch(r"(\w+)(?:\s*=\s*(.+))?", item, flags=re.S)
            if not m:
                raise SpecError(f"{path}: cannot parse enum item {item!r}")
            if m.group(2) is not None:
                value = eval_expr(m.group(2), names)
            else:
                value += 1
            names[m.group(1)] = value
            members.setdefault(value, m.group(1))
    for name, expr in re.findall(r"^#define\s+(\w+)\s+(.+?)\s*$", text, flags=re.M):
        try:
            names[name] = eval_expr(expr, names)
        except SpecError:
            pass  # strings and the like
    return names, enums


def eval_expr(expr, names):
    """An enum initialiser: integers, names, ( ) << >> | + - only."""
    tokens = re.findall(r"0x[0-9a-fA-F]+|\d+|\w+|<<|>>|[()|+\-]|\S", expr)
    out = []
    for t in tokens:
        if re.fullmatch(r"0x[0-9a-fA-F]+|\d+", t):
            out.append(str(int(t, 0)))
        elif re.fullmatch(r"\w+", t):
            if t not in names:
                raise SpecError(f"unknown name {t!r}")
            out.append(str(names[t]))
        elif t in ("<<", ">>", "(", ")", "|", "+", "-"):
            out.append(t)
        else:
            raise SpecError(f"cannot evaluate {expr!r}")
    return int(eval(" ".join(out), {"__builtins__": {}}))  # pylint: disable=eval-used


def number(text, names, what):
    text = text.strip()
    try:
        return int(text, 0)
    except ValueError:
        pass
    for key in (text, "MPCONV_" + text):
        if key in names:
            return names[key]
    raise SpecError(f"unknown {what} {text!r}")


def split_list(text):
    """Split 'a,b=[c,d],e' at the top-level commas."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise SpecError(f"unbalanced ']' in {text!r}")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if depth:
        raise SpecError(f"unbalanced '[' in {text!r}")
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def nla(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * (-len(payload) % 4)


def build_attr(spec, names):
    m = re.fullmatch(r"(\w+):([^=]+)(?:=(.*))?", spec, flags=re.S)
    if not m:
        raise SpecError(f"bad attribute {spec!r} (KIND:TYPE=VALUE)")
    kind, atype, value = m.group(1), number(m.group(2), names, "attribute type"), m.group(3)
    if not 0 <= atype <= 0xffff:
        raise SpecError(f"attribute type out of range in {spec!r}")
    if kind == "flag":
        return nla(atype, b"")
    if value is None:
        raise SpecError(f"{spec!r} needs a value")
    if kind in INT_KINDS:
        fmt = INT_KINDS[kind]
        try:
            return nla(atype, struct.pack(fmt, number(value, names, "value")))
        except struct.error as e:
            raise SpecError(f"{spec!r}: {e}") from e
    if kind == "str":
        return nla(atype, value.encode() + b"\0")
    if kind in ("bin", "nestbin"):
        try:
            payload = bytes.fromhex(value)
        except ValueError as e:
            raise SpecError(f"{spec!r}: not hex") from e
        return nla(atype | (NLA_F_NESTED if kind == "nestbin" else 0), payload)
    if kind == "nest":
        value = value.strip()
        if not (value.startswith("[") and value.endswith("]")):
            raise SpecError(f"{spec!r}: a nest is [ATTR,...]")
        body = b"".join(build_attr(s, names) for s in split_list(value[1:-1]))
        return nla(atype | NLA_F_NESTED, body)
    raise SpecError(f"unknown kind {kind!r} in {spec!r}")


def parse_attrs(data):
    """Top-level attributes of a payload: list of (type, payload)."""
    out, off = [], 0
    while off + 4 <= len(data):
        alen, atype = struct.unpack_from("=HH", data, off)
        if alen < 4 or off + alen > len(data):
            break
        out.append((atype & NLA_TYPE_MASK, data[off + 4:off + alen]))
        off += (alen + 3) & ~3
    return out


class Genl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.settimeout(10)
        self.sock.bind((0, 0))
        self.seq = 0

    def send(self, family, cmd, flags, attrs, version=1):
        self.seq += 1
        payload = struct.pack("=BBH", cmd, version, 0) + attrs
        hdr = struct.pack("=IHHII", 16 + len(payload), family, flags, self.seq, 0)
        self.sock.send(hdr + payload)
        return self.seq

    def exchange(self, family, cmd, flags, attrs):
        """Send a request and read the answer up to its ack or NLMSG_DONE."""
        seq = self.send(family, cmd, flags, attrs)
        res = {"errno": 0, "extack": "", "miss_type": None, "miss_nest": None,
               "bad_offset": None, "replies": 0}
        replies = []
        while True:
            data = self.sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags, mseq, _ = struct.unpack_from("=IHHII", data, off)
                if mlen < 16:
                    raise RuntimeError("malformed netlink message")
                body = data[off + 16:off + mlen]
                off += (mlen + 3) & ~3
                if mseq != seq:
                    continue
                if mtype in (NLMSG_ERROR, NLMSG_DONE):
                    err = struct.unpack_from("=i", body, 0)[0] if len(body) >= 4 else 0
                    res["errno"] = -err
                    if mflags & NLM_F_ACK_TLVS:
                        tlv_off = 4
                        if mtype == NLMSG_ERROR:
                            olen = struct.unpack_from("=I", body, 4)[0]
                            # the request echoed: header only with NETLINK_CAP_ACK
                            # (NLM_F_CAPPED), else whole
                            tlv_off += 16 if mflags & 0x100 else (olen + 3) & ~3
                        for atype, val in parse_attrs(body[tlv_off:]):
                            if atype == NLMSGERR_ATTR_MSG:
                                res["extack"] = val.split(b"\0", 1)[0].decode(errors="replace")
                            elif atype == NLMSGERR_ATTR_MISS_TYPE and len(val) >= 4:
                                res["miss_type"] = struct.unpack_from("=I", val)[0]
                            elif atype == NLMSGERR_ATTR_MISS_NEST and len(val) >= 4:
                                res["miss_nest"] = struct.unpack_from("=I", val)[0]
                            elif atype == NLMSGERR_ATTR_OFFS and len(val) >= 4:
                                res["bad_offset"] = struct.unpack_from("=I", val)[0]
                    res["replies"] = len(replies)
                    return res, replies
                if mtype == family:
                    replies.append(body[4:])
                    # a doit without NLM_F_ACK ends with its reply
                    if not (flags & NLM_F_ACK) and not mflags & NLM_F_MULTI:
                        res["replies"] = len(replies)
                        return res, replies

    def family_id(self, name, group=None):
        """The family's id, or with group, the id of that multicast group."""
        res, replies = self.exchange(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                     NLM_F_REQUEST | NLM_F_ACK,
                                     nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        if res["errno"]:
            return None
        for atype, val in parse_attrs(replies[0]):
            if atype == CTRL_ATTR_FAMILY_ID and group is None:
                return struct.unpack_from("=H", val)[0]
            if atype == CTRL_ATTR_MCAST_GROUPS and group is not None:
                for _, grp in parse_attrs(val):
                    fields = dict(parse_attrs(grp))
                    gname = fields.get(CTRL_ATTR_MCAST_GRP_NAME, b"").split(b"\0", 1)[0]
                    if gname.decode() == group and CTRL_ATTR_MCAST_GRP_ID in fields:
                        return struct.unpack_from("=I", fields[CTRL_ATTR_MCAST_GRP_ID])[0]
        return None

    def join(self, group_id):
        """Join a multicast group: 0 or the errno."""
        try:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group_id)
        except OSError as e:
            return e.errno
        return 0


def libc_call(name, *args):
    """A libc system call wrapper: 0 or an errno (os.unshare and os.setns
    are python >= 3.12 only)."""
    libc = ctypes.CDLL(None, use_errno=True)
    return 0 if getattr(libc, name)(*args) == 0 else ctypes.get_errno()


def enter_userns():
    """Become root of a new user namespace, as unshare --user --map-root-user."""
    uid, gid = os.geteuid(), os.getegid()
    err = libc_call("unshare", CLONE_NEWUSER)
    if err == errno_mod.EPERM:
        # A chroot()ed process may not create a user namespace (the test VM
        # runs everything chrooted into the host's files): enter our own
        # mount namespace again, which moves us to its real root, create
        # the user namespace there, and come back to the chroot.
        root = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
        cwd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
        mnt = os.open("/proc/self/ns/mnt", os.O_RDONLY)
        try:
            err = libc_call("setns", mnt, CLONE_NEWNS)
            if not err:
                err = libc_call("unshare", CLONE_NEWUSER)
        finally:
            os.close(mnt)
            os.fchdir(root)
            os.chroot(".")
            os.fchdir(cwd)
            os.close(root)
            os.close(cwd)
    if err:
        raise OSError(err, f"cannot create a user namespace: {os.strerror(err)}")
    for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"),
                       ("gid_map", f"0 {gid} 1")):
        with open(f"/proc/self/{name}", "w", encoding="ascii") as f:
            f.write(text)


def main(argv):
    dump = False
    flags = None
    value_type = None
    uapi = None
    userns = False
    join = None
    args = list(argv)
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--dump":
            dump = True
        elif opt == "--userns":
            userns = True
        elif opt in ("--flags", "--value", "--uapi", "--join") and args:
            val = args.pop(0)
            if opt == "--join":
                join = val
            elif opt == "--flags":
                flags = int(val, 0)
            elif opt == "--value":
                value_type = val
            else:
                uapi = val
        elif opt in ("--help", "-h"):
            print(__doc__)
            return 0
        else:
            print(f"nlreq.py: bad option {opt}", file=sys.stderr)
            return 2
    if join is not None:
        if userns:
            try:
                enter_userns()
            except OSError as e:
                print(f"nlreq.py: {e}", file=sys.stderr)
                return 1
        genl = Genl()
        gid = genl.family_id("mpconv", join)
        if gid is None:
            print(f"nlreq.py: no multicast group {join} of mpconv", file=sys.stderr)
            return 1
        err = genl.join(gid)
        res = {"errno": err, "errname": errno_mod.errorcode.get(err, "") if err else ""}
        if userns:
            res["uid"] = os.getuid()
        print(json.dumps(res))
        return 0
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        names, enums = parse_header(find_header(uapi))
        cmd_text = args[0]
        if not re.fullmatch(r"\d+|0x[0-9a-fA-F]+", cmd_text) and \
                not cmd_text.startswith(("CMD_", "MPCONV_CMD_")):
            cmd_text = "CMD_" + cmd_text
        cmd = number(cmd_text, names, "command")
        attrs = b"".join(build_attr(s, names) for s in args[1:])
        vtype = number(value_type, names, "attribute type") if value_type else None
    except SpecError as e:
        print(f"nlreq.py: {e}", file=sys.stderr)
        return 2
    if flags is None:
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
    elif dump:
        flags |= NLM_F_DUMP

    if userns:
        try:
            enter_userns()
        except OSError as e:
            print(f"nlreq.py: {e}", file=sys.stderr)
            return 1
    genl = Genl()  # the socket's credentials are those of now
    family = genl.family_id("mpconv")  # MPCONV_GENL_NAME
    if family is None:
        print("nlreq.py: no generic netlink family mpconv (module not loaded?)",
              file=sys.stderr)
        return 1
    try:
        res, replies = genl.exchange(family, cmd, flags, attrs)
    except socket.timeout:
        print("nlreq.py: no answer within 10 s", file=sys.stderr)
        return 1
    if vtype is not None:
        values = []
        for body in replies:
            for atype, val in parse_attrs(body):
                if atype == vtype and len(val) in (1, 2, 4, 8):
                    values.append(int.from_bytes(val, sys.byteorder))
        res["values"] = values
    # name the missing attribute: a top-level one, or one of an address nest
    if res["miss_type"] is not None:
        enum = enums.get("mpconv_attr" if res["miss_nest"] is None else "mpconv_addr_attr", {})
        res["miss_name"] = enum.get(res["miss_type"])
    if userns:
        res["uid"] = os.getuid()
    # (95 is EOPNOTSUPP and ENOTSUP on Linux: the kernel means the former)
    res["errname"] = ("EOPNOTSUPP" if res["errno"] == errno_mod.EOPNOTSUPP else
                      errno_mod.errorcode.get(res["errno"], "") if res["errno"] else "")
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
