"""Publicity (协商成果): the public record of what consultation achieved, per site and unit."""
