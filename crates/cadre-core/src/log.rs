//! The normalized log model: what an agent said and did, independent of which agent it was.
