package source

// AppsTracked returns how many apps the Service holds a build queue for.
func AppsTracked(s *Service) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.apps)
}
