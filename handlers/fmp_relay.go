package handlers

import (
	"fmt"
	"sort"

	"github.com/mh3net/mh3net/fanout"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/world"
)

// Relays: what the game sends for the others in its layer (positions,
// binary sync, chat) is not state. It is stamped with the sender's
// identity and fanned out over the layer's room; the edges deliver it to
// their members there, skipping the sender. These handlers read nothing
// but the membership the edge sent along (room and tag), so they run on
// the subscription goroutine.

// sender is the relaying hunter, from the edge's tag.
func (c *Call) sender() (string, []byte, bool) {
	if c.Tag == "" || c.LayerRoom == "" {
		c.debug("relay from a connection outside the layer system, dropped")
		return "", nil, false
	}
	id, name, err := fanout.Untag(c.Tag)
	if err != nil {
		c.logger().Warn("relay with a bad tag, dropped", "err", err)
		return "", nil, false
	}
	return id, name, true
}

// relayLocal relays NtcLayerUserPosition and NtcLayerBinary, which the
// edges normally stamp and fan out themselves (package fanout); an edge
// that sends them here anyway (an older one, mid rolling upgrade) gets
// the same bytes delivered.
func (s *Service) relayLocal(c *Call, payload []byte) error {
	if _, _, ok := c.sender(); !ok {
		return nil
	}
	frame, err := fanout.StampPacket(pat.Packet{Seq: c.Seq, ID: c.ID, Payload: payload}, c.Tag)
	if err != nil {
		return fmt.Errorf("%w: %w", errBadPacket, err)
	}
	c.pushes = append(c.pushes, push{room: c.LayerRoom, skip: c.Conn, data: frame})
	return nil
}

// NtcLayerBinary2: to one partner, who must stand in the sender's city.
func (s *Service) NtcLayerBinary2(c *Call, m *pat.NtcLayerBinary2FromClient) error {
	id, name, ok := c.sender()
	if !ok {
		return nil
	}
	partner := string(m.PartnerID)
	h := s.view.Hunter(partner)
	if h.At.Depth() != 3 || h.At.Room() != c.LayerRoom || h.Conn == "" {
		c.debug("NtcLayerBinary2 to a hunter not in the sender's city, dropped", "partner", partner)
		return nil
	}
	var info pat.Data
	info.SetString(pat.LayerBinaryCapcomID, []byte(id)).SetString(pat.LayerBinaryHunterName, name)
	return c.PushTo(h.Conn, c.Seq, &pat.NtcLayerBinary2{SenderID: []byte(id), Info: info, Payload: m.Payload})
}

// chatColor is MH3SP's colour of layer chat: one at the server level, one
// in gates and cities.
func chatColor(room string) uint32 {
	if depthOfRoom(room) <= 1 {
		return pat.ChatColorTop
	}
	return pat.ChatColorLayer
}

// depthOfRoom is the depth of a layer room (see world.Path.Room).
func depthOfRoom(room string) int {
	d := 1
	for i := 0; i < len(room); i++ {
		if room[i] == '.' {
			d++
		}
	}
	return d
}

// NtcLayerChat: stamped with the layer's colour and the sender, relayed
// to the layer but the sender.
func (s *Service) NtcLayerChat(c *Call, m *pat.NtcLayerChat) error {
	id, name, ok := c.sender()
	if !ok {
		return nil
	}
	info := append(pat.Data(nil), m.Info...)
	info.SetLong(pat.MessageColor, chatColor(c.LayerRoom)).
		SetString(pat.MessageSenderID, []byte(id)).
		SetString(pat.MessageSenderName, name)
	c.broadcast(c.LayerRoom, c.Conn, c.Seq, &pat.NtcLayerChat{Unknown: m.Unknown, Info: info, Text: m.Text})
	return nil
}

// tellInfo stamps a tell's MessageInfo as MH3SP does.
func tellInfo(in pat.Data, id string, name []byte) pat.Data {
	info := append(pat.Data(nil), in...)
	info.SetLong(pat.MessageUnknown02, pat.TellUnknown02).
		SetString(pat.MessageSenderID, []byte(id)).
		SetString(pat.MessageSenderName, name)
	return info
}

// ReqLayerTell: a tell to a hunter in the same layer. The sender gets
// the answer and its own copy; the recipient gets it if it stands in the
// sender's layer.
func (s *Service) ReqLayerTell(c *Call, m *pat.ReqLayerTell) error {
	sess, h, err := c.here()
	if err != nil {
		return err
	}
	ntc := &pat.NtcLayerTell{CapcomID: m.CapcomID, Info: tellInfo(m.Info, sess.CapcomID, sess.HunterName), Text: m.Text}
	if err := c.Answer(&pat.AnsLayerTell{}); err != nil {
		return err
	}
	if err := c.Answer(ntc); err != nil {
		return err
	}
	for _, o := range s.layerMembers(h.At) {
		if o.CapcomID == string(m.CapcomID) && o.Conn != c.Conn {
			return c.PushTo(o.Conn, c.Seq, ntc)
		}
	}
	return nil
}

// member is a hunter in a layer with its connection.
type member struct {
	CapcomID string
	Name     []byte
	Conn     string
}

// layerMembers are the hunters standing in layer p.
func (s *Service) layerMembers(p world.Path) []member {
	var out []member
	if p.Depth() == 3 {
		for _, m := range s.view.City(p).Members {
			if m.CapcomID != "" {
				out = append(out, member{m.CapcomID, m.Name, m.Conn})
			}
		}
		return out
	}
	for _, h := range s.view.At(p) {
		out = append(out, member{h.CapcomID, h.Name, h.Conn})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CapcomID < out[j].CapcomID })
	return out
}
