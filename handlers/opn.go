package handlers

import (
	"github.com/mh3net/mh3net/pat"
)

// OPN: the TLS entry point. Texts, word filters and the LMP address.

func (s *Service) ReqAuthenticationToken(c *Call, m *pat.ReqAuthenticationToken) error {
	c.info("NAS token received (not validated, as MH3SP)", "size", len(m.Token))
	return c.Answer(&pat.AnsAuthenticationToken{})
}

func (s *Service) ReqTermsVersion(c *Call, m *pat.ReqTermsVersion) error {
	t := s.cfg.Texts
	return c.Answer(&pat.AnsTermsVersion{Version: t.TermsVersion, Size: uint32(len(t.Terms))})
}

func (s *Service) ReqTerms(c *Call, m *pat.ReqTerms) error {
	chunk := slice([]byte(s.cfg.Texts.Terms), m.Offset, m.Size)
	return c.Answer(&pat.AnsTerms{Offset: m.Offset, Size: m.Size, Terms: chunk})
}

func (s *Service) ReqSubTermsInfo(c *Call, m *pat.ReqSubTermsInfo) error {
	return c.Answer(&pat.AnsSubTermsInfo{Selector: m.Selector, Size: uint32(len(s.cfg.Texts.SubTerms))})
}

func (s *Service) ReqSubTerms(c *Call, m *pat.ReqSubTerms) error {
	chunk := slice([]byte(s.cfg.Texts.SubTerms), m.Offset, m.Size)
	return c.Answer(&pat.AnsSubTerms{Selector: m.Selector, Offset: m.Offset, Size: m.Size, SubTerms: chunk})
}

// ReqMaintenance: the game asks it when NtcLogin on OPN says maintenance
// (status 2, see AnsConnection) and shows the text.
func (s *Service) ReqMaintenance(c *Call, m *pat.ReqMaintenance) error {
	return c.Answer(&pat.AnsMaintenance{Text: []byte(s.adminMaintenanceText(s.view.Admin()))})
}

// ReqAnnounce: the configured announcement, or the one an operator set
// (admin API).
func (s *Service) ReqAnnounce(c *Call, m *pat.ReqAnnounce) error {
	return c.Answer(&pat.AnsAnnounce{Text: []byte(s.adminAnnouncement(s.view.Admin()))})
}

func (s *Service) ReqNoCharge(c *Call, m *pat.ReqNoCharge) error {
	return c.Answer(&pat.AnsNoCharge{Text: []byte(s.cfg.Texts.NoCharge)})
}

// The word-filter lists are empty, as on MH3SP. Like MH3SP, chunk answers
// echo the offset and size the game asked for.

func (s *Service) ReqVulgarityInfoHighJAP(c *Call, m *pat.ReqVulgarityInfoHighJAP) error {
	return c.Answer(&pat.AnsVulgarityInfoHighJAP{})
}

func (s *Service) ReqVulgarityInfoLowJAP(c *Call, m *pat.ReqVulgarityInfoLowJAP) error {
	return c.Answer(&pat.AnsVulgarityInfoLowJAP{})
}

func (s *Service) ReqVulgarityInfoLow(c *Call, m *pat.ReqVulgarityInfoLow) error {
	return c.Answer(&pat.AnsVulgarityInfoLow{Info: m.Info})
}

func (s *Service) ReqVulgarityLow(c *Call, m *pat.ReqVulgarityLow) error {
	return c.Answer(&pat.AnsVulgarityLow{Info: m.Info, Offset: m.Offset, Size: m.Size, Data: []byte{}})
}

// ReqCommonKey is answered with an empty AnsAuthenticationToken, as both
// reference servers do: the game then goes on without packet encryption.
func (s *Service) ReqCommonKey(c *Call, m *pat.ReqCommonKey) error {
	return c.Answer(&pat.AnsAuthenticationToken{})
}

// ReqLmpConnect gives the LMP address; during maintenance a client that
// goes on past the maintenance text anyway is shut out with it.
func (s *Service) ReqLmpConnect(c *Call, m *pat.ReqLmpConnect) error {
	if a := s.view.Admin(); a.Maintenance {
		c.CloseAfter()
		return c.Notify(&pat.NtcShut{Message: []byte(s.adminMaintenanceText(a))})
	}
	host, port, err := s.redirect(c, "lmp")
	if err != nil {
		return err
	}
	return c.Answer(&pat.AnsLmpConnect{Address: []byte(host), Port: uint16(port)})
}

// slice is b[offset:offset+size], clipped to b.
func slice(b []byte, offset, size uint32) []byte {
	if uint64(offset) >= uint64(len(b)) {
		return []byte{}
	}
	end := min(uint64(offset)+uint64(size), uint64(len(b)))
	return b[offset:end]
}
