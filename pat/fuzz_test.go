package pat

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// kind makes a constructor of a message type, for the tables below.
func kind[T any, P interface {
	*T
	Message
}]() func() Message {
	return func() Message { return P(new(T)) }
}

// fuzzMessages makes a fresh value of every message type: FuzzMessages
// decodes each input into all of them. Files that add message types add
// them here (TestFuzzCoversEveryMessage insists).
var fuzzMessages = []func() Message{
	func() Message { return &AnsAlert{Answer: IDAnsUserObject} },
	func() Message { return &AnsNg{Answer: IDAnsUserObject} },
	kind[AnsAnnounce](),
	kind[AnsAuthenticationToken](),
	kind[AnsBinaryData](),
	kind[AnsBinaryFoot](),
	kind[AnsBinaryHead](),
	kind[AnsBinaryVersion](),
	kind[AnsChargeInfo](),
	kind[AnsCommonKey](),
	kind[AnsConnection](),
	kind[AnsFmpInfo](),
	kind[AnsFmpInfo2](),
	kind[AnsFmpListData](),
	kind[AnsFmpListData2](),
	kind[AnsFmpListFoot](),
	kind[AnsFmpListFoot2](),
	kind[AnsFmpListHead](),
	kind[AnsFmpListHead2](),
	kind[AnsFmpListVersion](),
	kind[AnsFmpListVersion2](),
	kind[AnsLineCheck](),
	kind[AnsLmpConnect](),
	kind[AnsLoginInfo](),
	kind[AnsMaintenance](),
	kind[AnsMediaVersionInfo](),
	kind[AnsNoCharge](),
	kind[AnsServerTime](),
	kind[AnsShut](),
	kind[AnsSubTerms](),
	kind[AnsSubTermsInfo](),
	kind[AnsTerms](),
	kind[AnsTermsVersion](),
	kind[AnsTicket](),
	kind[AnsUserListData](),
	kind[AnsUserListFoot](),
	kind[AnsUserListHead](),
	kind[AnsUserObject](),
	kind[AnsVulgarityInfoHighJAP](),
	kind[AnsVulgarityInfoLow](),
	kind[AnsVulgarityInfoLowJAP](),
	kind[AnsVulgarityLow](),
	kind[NtcCollectionLog](),
	kind[NtcLogin](),
	kind[NtcShut](),
	kind[ReqAnnounce](),
	kind[ReqAuthenticationToken](),
	kind[ReqBinaryData](),
	kind[ReqBinaryFoot](),
	kind[ReqBinaryHead](),
	kind[ReqBinaryVersion](),
	kind[ReqChargeInfo](),
	kind[ReqCommonKey](),
	kind[ReqConnection](),
	kind[ReqFmpInfo](),
	kind[ReqFmpInfo2](),
	kind[ReqFmpListData](),
	kind[ReqFmpListData2](),
	kind[ReqFmpListFoot](),
	kind[ReqFmpListFoot2](),
	kind[ReqFmpListHead](),
	kind[ReqFmpListHead2](),
	kind[ReqFmpListVersion](),
	kind[ReqFmpListVersion2](),
	kind[ReqLineCheck](),
	kind[ReqLmpConnect](),
	kind[ReqLoginInfo](),
	kind[ReqMaintenance](),
	kind[ReqMediaVersionInfo](),
	kind[ReqNoCharge](),
	kind[ReqServerTime](),
	kind[ReqShut](),
	kind[ReqSubTerms](),
	kind[ReqSubTermsInfo](),
	kind[ReqTerms](),
	kind[ReqTermsVersion](),
	kind[ReqTicket](),
	kind[ReqUserListData](),
	kind[ReqUserListFoot](),
	kind[ReqUserListHead](),
	kind[ReqUserObject](),
	kind[ReqVulgarityInfoHighJAP](),
	kind[ReqVulgarityInfoLow](),
	kind[ReqVulgarityInfoLowJAP](),
	kind[ReqVulgarityLow](),
	kind[NtcLayerChat](),
	kind[ReqLayerTell](),
	kind[AnsLayerTell](),
	kind[NtcLayerTell](),
	kind[NtcCircleChat](),
	kind[ReqTell](),
	kind[AnsTell](),
	kind[NtcTell](),
	kind[ReqLayerMediationList](),
	kind[AnsLayerMediationList](),
	kind[ReqLayerMediationLock](),
	kind[AnsLayerMediationLock](),
	kind[NtcLayerMediationLock](),
	kind[ReqLayerMediationUnlock](),
	kind[AnsLayerMediationUnlock](),
	kind[NtcLayerMediationUnlock](),
	kind[ReqFriendAdd](),
	kind[AnsFriendAdd](),
	kind[NtcFriendAccept](),
	kind[ReqFriendAccept](),
	kind[AnsFriendAccept](),
	kind[NtcFriendAdd](),
	kind[ReqFriendDelete](),
	kind[AnsFriendDelete](),
	kind[ReqFriendList](),
	kind[AnsFriendList](),
	kind[ReqBlackAdd](),
	kind[AnsBlackAdd](),
	kind[ReqBlackDelete](),
	kind[AnsBlackDelete](),
	kind[ReqBlackList](),
	kind[AnsBlackList](),
	kind[ReqCircleCreate](),
	kind[AnsCircleCreate](),
	kind[ReqCircleInfo](),
	kind[AnsCircleInfo](),
	kind[ReqCircleJoin](),
	kind[AnsCircleJoin](),
	kind[NtcCircleJoin](),
	kind[ReqCircleLeave](),
	kind[AnsCircleLeave](),
	kind[NtcCircleLeave](),
	kind[NtcCircleBreak](),
	kind[ReqCircleMatchOptionSet](),
	kind[AnsCircleMatchOptionSet](),
	kind[NtcCircleMatchOptionSet](),
	kind[ReqCircleMatchStart](),
	kind[AnsCircleMatchStart](),
	kind[NtcCircleMatchStart](),
	kind[ReqCircleMatchEnd](),
	kind[AnsCircleMatchEnd](),
	kind[ReqCircleInfoSet](),
	kind[AnsCircleInfoSet](),
	kind[NtcCircleInfoSet](),
	kind[ReqCircleListLayer](),
	kind[AnsCircleListLayer](),
	kind[NtcCircleKick](),
	kind[NtcCircleHostHandover](),
	kind[ReqCircleHost](),
	kind[AnsCircleHost](),
	kind[NtcCircleHost](),
	kind[ReqCircleUserList](),
	kind[AnsCircleUserList](),
	kind[NtcCircleBinaryFromClient](),
	kind[NtcCircleBinary](),
	kind[NtcCircleBinary2FromClient](),
	kind[NtcCircleBinary2](),
	kind[ReqCircleInfoNoticeSet](),
	kind[AnsCircleInfoNoticeSet](),
	kind[NtcCircleListLayerCreate](),
	kind[NtcCircleListLayerChange](),
	kind[NtcCircleListLayerDelete](),
	kind[NtcMcsStart](),
	kind[ReqLayerStart](),
	kind[AnsLayerStart](),
	kind[ReqLayerEnd](),
	kind[AnsLayerEnd](),
	kind[NtcLayerUserNum](),
	kind[ReqLayerDown](),
	kind[AnsLayerDown](),
	kind[NtcLayerIn](),
	kind[ReqLayerUp](),
	kind[AnsLayerUp](),
	kind[NtcLayerOut](),
	kind[NtcLayerInfoSet](),
	kind[ReqLayerChildInfo](),
	kind[AnsLayerChildInfo](),
	kind[ReqLayerChildListHead](),
	kind[AnsLayerChildListHead](),
	kind[ReqLayerChildListData](),
	kind[AnsLayerChildListData](),
	kind[ReqLayerChildListFoot](),
	kind[AnsLayerChildListFoot](),
	kind[ReqLayerSiblingListHead](),
	kind[AnsLayerSiblingListHead](),
	kind[ReqLayerSiblingListData](),
	kind[AnsLayerSiblingListData](),
	kind[ReqLayerSiblingListFoot](),
	kind[AnsLayerSiblingListFoot](),
	kind[ReqLayerHost](),
	kind[AnsLayerHost](),
	kind[NtcLayerHost](),
	kind[NtcLayerUserInfoSet](),
	kind[ReqLayerUserList](),
	kind[AnsLayerUserList](),
	kind[ReqLayerUserListHead](),
	kind[AnsLayerUserListHead](),
	kind[ReqLayerUserListData](),
	kind[AnsLayerUserListData](),
	kind[ReqLayerUserListFoot](),
	kind[AnsLayerUserListFoot](),
	kind[ReqLayerCreateHead](),
	kind[AnsLayerCreateHead](),
	kind[ReqLayerCreateSet](),
	kind[AnsLayerCreateSet](),
	kind[ReqLayerCreateFoot](),
	kind[AnsLayerCreateFoot](),
	kind[NtcLayerBinaryFromClient](),
	kind[NtcLayerBinary](),
	kind[NtcLayerUserPositionFromClient](),
	kind[NtcLayerUserPosition](),
	kind[NtcLayerBinary2FromClient](),
	kind[NtcLayerBinary2](),
	kind[ReqUserBinarySet](),
	kind[AnsUserBinarySet](),
	kind[ReqUserBinaryNotice](),
	kind[AnsUserBinaryNotice](),
	kind[NtcUserBinaryNotice](),
	kind[ReqUserStatusSet](),
	kind[AnsUserStatusSet](),
	kind[NtcCheatCheck](),
	kind[ReqLayerUserSearchHead](),
	kind[AnsLayerUserSearchHead](),
	kind[ReqLayerUserSearchData](),
	kind[AnsLayerUserSearchData](),
	kind[ReqLayerUserSearchFoot](),
	kind[AnsLayerUserSearchFoot](),
	kind[ReqLayerDetailSearchHead](),
	kind[AnsLayerDetailSearchHead](),
	kind[ReqLayerDetailSearchData](),
	kind[AnsLayerDetailSearchData](),
	kind[ReqLayerDetailSearchFoot](),
	kind[AnsLayerDetailSearchFoot](),
	kind[ReqUserSearchSet](),
	kind[AnsUserSearchSet](),
	kind[ReqUserSearchHead](),
	kind[AnsUserSearchHead](),
	kind[ReqUserSearchData](),
	kind[AnsUserSearchData](),
	kind[ReqUserSearchFoot](),
	kind[AnsUserSearchFoot](),
	kind[ReqUserSearchInfo](),
	kind[AnsUserSearchInfo](),
	kind[ReqUserSearchInfoMine](),
	kind[AnsUserSearchInfoMine](),
}

// TestFuzzCoversEveryMessage reads the package's source and checks that
// every type with a PacketID method (every message) is in fuzzMessages.
func TestFuzzCoversEveryMessage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "PacketID" {
				continue
			}
			typ := fn.Recv.List[0].Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			if id, ok := typ.(*ast.Ident); ok && ast.IsExported(id.Name) {
				declared = append(declared, id.Name)
			}
		}
	}
	var covered []string
	for _, mk := range fuzzMessages {
		covered = append(covered, reflect.TypeOf(mk()).Elem().Name())
	}
	for _, n := range declared {
		if !slices.Contains(covered, n) {
			t.Errorf("message %s is not in fuzzMessages", n)
		}
	}
	if len(declared) < 80 {
		t.Errorf("found only %d message types: the source scan is broken", len(declared))
	}
}

// roundTrip decodes b into a fresh message from mk. When that succeeds,
// the message must encode, the encoding must decode, and encoding again
// must give the same bytes (decode∘encode∘decode is stable).
func roundTrip(mk func() Message, b []byte) error {
	m := mk()
	if Unmarshal(b, m) != nil {
		return nil
	}
	enc, err := Marshal(m)
	if err != nil {
		return fmt.Errorf("%T decodes %x but does not encode: %v", m, b, err)
	}
	again := mk()
	if err := Unmarshal(enc, again); err != nil {
		return fmt.Errorf("%T: its own encoding %x does not decode: %v", m, enc, err)
	}
	enc2, err := Marshal(again)
	if err != nil || !bytes.Equal(enc, enc2) {
		return fmt.Errorf("%T: %x encodes to %x, then to %x (%v)", m, b, enc, enc2, err)
	}
	return nil
}

func FuzzMessages(f *testing.F) {
	for _, v := range vectors {
		f.Add(mustHex(v.hex))
	}
	f.Add([]byte{})
	f.Add(mustHex("01 0001 41"))
	f.Add(mustHex("00000001 00000002 03 0103 00000001 0205 0006 414243444546 0305 0002 4142"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, mk := range fuzzMessages {
			if err := roundTrip(mk, b); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzOpt(f *testing.F) {
	f.Add(mustHex("03 01 01 00000005 02 00 03 01 ffffffff"))
	f.Add(mustHex("00"))
	f.Add(mustHex("ff 01 01"))
	f.Add(mustHex("02 01 07 00000001 02 00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b)
		o := r.Opt()
		if r.Err() != nil {
			if o != nil {
				t.Fatal("entries returned with an error")
			}
			return
		}
		if cap(o) > len(b)/2+1 {
			t.Fatalf("allocated %d entries for %d bytes", cap(o), len(b))
		}
		enc := NewWriter(nil).Opt(o).Bytes()
		if len(enc) != r.Offset() {
			t.Fatalf("%d bytes read, %d written", r.Offset(), len(enc))
		}
		r2 := NewReader(enc)
		o2 := r2.Opt()
		if err := r2.Done(); err != nil {
			t.Fatalf("re-encoding %x does not decode: %v", enc, err)
		}
		if !reflect.DeepEqual(o, o2) {
			t.Fatalf("%v re-decodes as %v", o, o2)
		}
	})
}
