package handlers

// Texts are the OPN texts the game shows: terms of use, EU sub-terms, the
// announcement, the no-charge notice and the maintenance text. They use the
// game's markup (<BR>, <BODY>, <CENTER>, <LEFT>, <SIZE=n>, <C=n>, <END>).
type Texts struct {
	TermsVersion uint32
	Terms        string
	SubTerms     string
	Announce     string
	NoCharge     string
	Maintenance  string
}

// DefaultTexts are mh3net's own texts.
func DefaultTexts() Texts {
	return Texts{
		TermsVersion: 1,
		Terms:        "mh3net community server - terms of use.\nPlay fair and be kind to other hunters.",
		SubTerms:     "mh3net community server - additional terms.",
		Announce: "<BR><CENTER><BODY><SIZE=6>mh3net" +
			"<BR><BODY><LEFT><SIZE=4>Welcome, hunter! This is a community server" +
			"<BR><BODY>for Monster Hunter Tri. Be kind to other hunters," +
			"<BR><BODY>do not abuse bugs, and tell the server staff" +
			"<BR><BODY>about anything that goes wrong." +
			"<BR><BODY><CENTER><C=2>Happy hunting!<END>",
		NoCharge:    "<BODY><CENTER>mh3net is free to play.<END>",
		Maintenance: "<BODY><CENTER>The server is under maintenance.<BR><BODY><CENTER>Please come back later.<END>",
	}
}
