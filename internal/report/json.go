package report

import (
	"encoding/json"
	"os"
)

// WriteJSON writes v, indented, to the file at path.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
